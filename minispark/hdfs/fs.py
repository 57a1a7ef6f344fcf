"""``HdfsFileSystem``: mini-HDFS behind minispark's ``FileSystem`` interface.

Registered lazily for the ``hdfs`` scheme (``hdfs://host:port/path``).  The
client finds the shared secret (and the user) through the configuration file
named by ``$MINISPARK_HDFS_CONF``; the URI's host and port override the
NameNode address there.  Paths in returned statuses are full URIs.
"""
from __future__ import annotations

import io
import os
import threading
from typing import Any, BinaryIO
from urllib.parse import urlparse

from minispark.fs.base import BlockLocation, FileStatus, FileSystem

from .client import DFSClient, DFSInputStream, DFSOutputStream, HdfsFileStatus
from .config import HdfsConfig
from .errors import FileNotFoundException

_clients: dict[tuple[str, int, int], DFSClient] = {}
_lock = threading.Lock()


def _client_for(host: str | None, port: int | None) -> DFSClient:
    """One client per NameNode per process (a forked executor gets its own)."""
    config = HdfsConfig.from_env()
    host = host or config.namenode_host
    port = int(port or config.namenode_port)
    key = (host, port, os.getpid())
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = DFSClient(host, port, config=config)
        return client


class _Reader(io.RawIOBase):
    """Raw, seekable view of a :class:`DFSInputStream`."""

    def __init__(self, stream: DFSInputStream) -> None:
        self._s = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        return self._s.readinto(buf)

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        return self._s.seek(pos, whence)

    def tell(self) -> int:
        return self._s.tell()

    def close(self) -> None:
        self._s.close()
        super().close()


class _Writer(io.RawIOBase):
    """Raw writer over a :class:`DFSOutputStream`; ``discard`` abandons the file."""

    def __init__(self, stream: DFSOutputStream) -> None:
        self._s = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._s.write(bytes(data))

    def close(self) -> None:
        if not self.closed:
            try:
                self._s.close()
            finally:
                super().close()

    def discard(self) -> None:
        """Stop writing without completing (the caller deletes the file)."""
        if not self.closed:
            self._s.__exit__(RuntimeError, None, None)
            super().close()


class HdfsFileSystem(FileSystem):
    """minispark ``FileSystem`` over one mini-HDFS NameNode."""

    scheme = "hdfs"

    def __init__(self, client: DFSClient) -> None:
        self.client = client
        self.authority = f"{client.host}:{client.port}"

    @classmethod
    def from_uri(cls, uri: str) -> "HdfsFileSystem":
        """File system for ``hdfs://host:port/...`` (secret from ``$MINISPARK_HDFS_CONF``)."""
        parsed = urlparse(uri)
        if parsed.scheme.lower() != "hdfs":
            raise ValueError(f"not an hdfs:// URI: {uri}")
        return cls(_client_for(parsed.hostname, parsed.port))

    def __repr__(self) -> str:
        return f"HdfsFileSystem({self.authority})"

    # ------------------------------------------------------------ paths
    def _path(self, path: str) -> str:
        parsed = urlparse(path)
        if parsed.scheme and parsed.scheme.lower() != "hdfs":
            raise ValueError(f"{path} is not an hdfs:// path")
        return parsed.path or "/"

    def qualify(self, path: str) -> str:
        """``hdfs://host:port/path``."""
        return f"hdfs://{self.authority}{self._path(path)}"

    def _status(self, st: HdfsFileStatus) -> FileStatus:
        return FileStatus(self.qualify(st.path), st.length, st.is_dir, st.mtime / 1000.0,
                          st.block_size or self.default_block_size())

    # ------------------------------------------------------------ operations
    def open(self, path: str) -> BinaryIO:
        """Buffered, seekable, checksum-verified reader."""
        return io.BufferedReader(_Reader(self.client.open(self._path(path))), 1 << 20)  # type: ignore[return-value]

    def create(self, path: str, overwrite: bool = False) -> BinaryIO:
        """New file (parents created); ``FileExistsError`` if it exists and not ``overwrite``."""
        stream = self.client.create(self._path(path), overwrite=overwrite)
        return io.BufferedWriter(_Writer(stream), 1 << 20)  # type: ignore[return-value]

    def exists(self, path: str) -> bool:
        return self.client.exists(self._path(path))

    def status(self, path: str) -> FileStatus:
        return self._status(self.client.status(self._path(path)))

    def list_status(self, path: str) -> list[FileStatus]:
        return [self._status(s) for s in self.client.list_status(self._path(path))]

    def mkdirs(self, path: str) -> None:
        self.client.mkdirs(self._path(path))

    def delete(self, path: str, recursive: bool = False) -> bool:
        return self.client.delete(self._path(path), recursive=recursive)

    def rename(self, src: str, dst: str) -> None:
        """Never replaces, never moves into an existing destination."""
        s, d = self._path(src), self._path(dst)
        if self.client.exists(d):
            raise FileExistsError(f"Rename destination {self.qualify(d)} already exists")
        if not self.client.exists(s):
            raise FileNotFoundException(f"Rename source {self.qualify(s)} does not exist")
        if not self.client.rename(s, d):
            if self.client.exists(d):
                raise FileExistsError(f"Rename destination {self.qualify(d)} already exists")
            raise OSError(f"could not rename {self.qualify(s)} to {self.qualify(d)}")

    def block_locations(self, path: str, start: int, length: int) -> list[BlockLocation]:
        """Blocks overlapping the range, hosts = the DataNodes holding them (closest first)."""
        info = self.client.block_locations(self._path(path), start, length)
        return [BlockLocation(b["offset"], b["b"][2], tuple(dict.fromkeys(loc["host"] for loc in b["locs"])))
                for b in info["blocks"]]

    def default_block_size(self) -> int:
        return int(self.client.defaults["block_size"])
