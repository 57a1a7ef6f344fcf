"""mini-HDFS as an fsspec file system, so pandas, pyarrow, Dask and DuckDB read it.

Registered for ``hdfs://`` through fsspec's ``fsspec.specs`` entry point
(``pyproject.toml``).  The NameNode comes from the URL (``hdfs://host:port/p``)
or the client configuration; the shared secret from that configuration: the
file named by the ``conf`` storage option, else ``$MINISPARK_HDFS_CONF``::

    pandas.read_parquet("hdfs://127.0.0.1:9000/t.parquet",
                        storage_options={"conf": "/etc/minispark/hdfs-client.json"})
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fsspec import AbstractFileSystem

from .client import DFSClient
from .config import HdfsConfig
from .fs import HdfsFileSystem


class MiniHdfsFileSystem(AbstractFileSystem):
    """fsspec's interface over minispark's :class:`HdfsFileSystem`."""

    protocol = ("hdfs",)
    root_marker = "/"

    def __init__(self, host: str | None = None, port: int | None = None,
                 conf: str | None = None, **storage_options: Any) -> None:
        super().__init__(host=host, port=port, conf=conf, **storage_options)
        config = HdfsConfig.load(conf) if conf else HdfsConfig.from_env()
        self.hdfs = HdfsFileSystem(DFSClient(host, port, config=config))

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        parsed = urlparse(path)
        stripped = (parsed.path if parsed.scheme else path).rstrip("/")
        return stripped or "/"

    @staticmethod
    def _get_kwargs_from_urls(path: str) -> dict[str, Any]:
        parsed = urlparse(path)
        kwargs: dict[str, Any] = {}
        if parsed.hostname:
            kwargs["host"] = parsed.hostname
        if parsed.port:
            kwargs["port"] = parsed.port
        return kwargs

    def _uri(self, path: str) -> str:
        return self.hdfs.qualify(self._strip_protocol(path))

    def _info(self, status: Any) -> dict[str, Any]:
        return {"name": self._strip_protocol(status.path), "size": status.length,
                "type": "directory" if status.is_dir else "file", "mtime": status.modification_time}

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._info(self.hdfs.status(self._uri(path)))

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        entries = [self._info(s) for s in self.hdfs.list_status(self._uri(path))]
        return entries if detail else [e["name"] for e in entries]

    def _open(self, path: str, mode: str = "rb", block_size: Any = None, autocommit: bool = True,
              cache_options: Any = None, **kwargs: Any) -> Any:
        if mode == "rb":
            return self.hdfs.open(self._uri(path))
        if mode in ("wb", "xb"):
            return self.hdfs.create(self._uri(path), overwrite=mode == "wb")
        raise NotImplementedError(f"mini-HDFS files open for 'rb', 'wb' or 'xb', not {mode!r}")

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        self.hdfs.mkdirs(self._uri(path))

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        if not exist_ok and self.exists(path):
            raise FileExistsError(self._uri(path))
        self.hdfs.mkdirs(self._uri(path))

    def rm_file(self, path: str) -> None:
        self.hdfs.delete(self._uri(path))

    def rmdir(self, path: str) -> None:
        self.hdfs.delete(self._uri(path))

    def rm(self, path: Any, recursive: bool = False, maxdepth: Any = None) -> None:
        for one in path if isinstance(path, list) else [path]:
            self.hdfs.delete(self._uri(one), recursive=recursive)

    def mv(self, path1: str, path2: str, recursive: bool = False, maxdepth: Any = None,
           **kwargs: Any) -> None:
        self.hdfs.rename(self._uri(path1), self._uri(path2))
