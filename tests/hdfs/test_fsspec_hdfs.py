"""pandas and pyarrow read mini-HDFS files through the fsspec entry point for hdfs://."""
from __future__ import annotations

import io

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from minispark.hdfs.fsspec_hdfs import MiniHdfsFileSystem


def _table() -> pa.Table:
    return pa.table({"id": list(range(2000)), "name": [f"n{i % 17}" for i in range(2000)],
                     "score": [i * 0.5 for i in range(2000)]})


def _put_parquet(client, path: str, table: pa.Table) -> None:
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=500)
    client.write_bytes(path, buf.getvalue())


def test_entry_point_registers_mini_hdfs():
    assert fsspec.get_filesystem_class("hdfs") is MiniHdfsFileSystem


def test_pandas_reads_parquet_from_mini_hdfs(cluster, client):
    table = _table()
    _put_parquet(client, "/fsspec/pandas/t.parquet", table)
    conf = str(cluster.write_client_conf())
    got = pd.read_parquet(f"{cluster.uri}/fsspec/pandas/t.parquet", storage_options={"conf": conf})
    pd.testing.assert_frame_equal(got, table.to_pandas())


def test_pyarrow_reads_parquet_through_the_fsspec_filesystem(cluster, client, conf_env):
    table = _table()
    _put_parquet(client, "/fsspec/arrow/t.parquet", table)
    fs, path = fsspec.core.url_to_fs(f"{cluster.uri}/fsspec/arrow/t.parquet")
    assert isinstance(fs, MiniHdfsFileSystem) and path == "/fsspec/arrow/t.parquet"
    assert pq.read_table(path, filesystem=fs).equals(table)
    assert fs.ls("/fsspec/arrow", detail=False) == ["/fsspec/arrow/t.parquet"]
    with fs.open("/fsspec/arrow/copy.bin", "wb") as f:
        f.write(b"written through fsspec")
    assert client.read_bytes("/fsspec/arrow/copy.bin") == b"written through fsspec"
    fs.rm("/fsspec/arrow", recursive=True)
    assert not client.exists("/fsspec/arrow")
