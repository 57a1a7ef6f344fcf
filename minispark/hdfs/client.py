"""DFSClient: the Python client of mini-HDFS.

Metadata goes to the NameNode over authenticated JSON RPC; data goes straight
to DataNodes.  Writes stream packets down a replica pipeline with a window of
unacknowledged packets; if a DataNode fails, it is dropped, the block gets a
new generation stamp, the survivors truncate to the acknowledged length and
the unacknowledged packets are sent again.  Reads verify every chunk's CRC and
fail over to the next-closest replica, reporting corrupt ones.
"""
from __future__ import annotations

import collections
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlparse

from .blockstore import chunk_crcs
from .config import HdfsConfig
from .errors import BlockMissingException, ChecksumException, HdfsIOException
from .namenode import IDEMPOTENT
from .protocol import PACKET, RpcClient, connect, recv_exact, recv_msg, send_msg, send_packet

MAX_INFLIGHT_PACKETS = 80  # Hadoop's dfs.client.write.max-packets-in-flight
FLAG_ERROR = 2


@dataclass
class HdfsFileStatus:
    """Status of a file or directory, as the NameNode reports it."""

    path: str
    type: str
    length: int
    owner: str
    group: str
    permission: int
    mtime: int
    atime: int
    replication: int
    block_size: int
    file_id: int
    children_num: int

    @property
    def is_dir(self) -> bool:
        """True for directories."""
        return self.type == "DIRECTORY"

    @property
    def name(self) -> str:
        """Last path component."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def from_wire(cls, parent: str, d: dict[str, Any]) -> "HdfsFileStatus":
        """Build from the NameNode's dict; ``parent`` is the listed directory (or the path)."""
        name = d["name"]
        path = parent if not name else (parent.rstrip("/") + "/" + name)
        return cls(path=path, type=d["type"], length=d["length"], owner=d["owner"], group=d["group"],
                   permission=d["permission"], mtime=d["mtime"], atime=d["atime"],
                   replication=d["replication"], block_size=d["block_size"], file_id=d["file_id"],
                   children_num=d["children_num"])


class _PipelineError(Exception):
    """A pipeline node failed; ``bad`` is its index in the pipeline."""

    def __init__(self, bad: int, msg: str) -> None:
        super().__init__(msg)
        self.bad = bad


class DFSClient:
    """Client of one mini-HDFS cluster."""

    def __init__(self, host: str | None = None, port: int | None = None, *,
                 config: HdfsConfig | None = None, secret: bytes | None = None,
                 user: str | None = None) -> None:
        self.config = config or HdfsConfig.from_env()
        self.host = host or self.config.namenode_host
        self.port = int(port or self.config.namenode_port)
        self._secret = secret or self.config.secret()
        self.user = user or self.config.user()
        self.client_name = f"DFSClient_minispark_{uuid.uuid4().hex[:12]}"
        c = self.config
        self.nn = RpcClient(self.host, self.port, self._secret, self.user, c.socket_timeout,
                            retries=c.connect_retries, retry_interval=c.connect_retry_interval,
                            idempotent=IDEMPOTENT)
        self._defaults: dict[str, Any] | None = None

    @classmethod
    def from_uri(cls, uri: str, config: HdfsConfig | None = None, **kwargs: Any) -> "DFSClient":
        """Client for ``hdfs://host:port`` (host/port default to the configuration)."""
        parsed = urlparse(uri)
        if parsed.scheme not in ("hdfs", ""):
            raise ValueError(f"not an hdfs:// URI: {uri}")
        return cls(parsed.hostname or None, parsed.port or None, config=config, **kwargs)

    def close(self) -> None:
        """Close the NameNode connection."""
        self.nn.close()

    def __enter__(self) -> "DFSClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def defaults(self) -> dict[str, Any]:
        """The NameNode's server defaults (block size, replication, checksum chunk...)."""
        if self._defaults is None:
            self._defaults = self.nn.call("get_server_defaults")
        return self._defaults

    def secret_for_datanodes(self) -> bytes:
        """The shared secret (DataNodes authenticate with the same one)."""
        return self._secret

    # ------------------------------------------------------------ metadata
    def status(self, path: str) -> HdfsFileStatus:
        """Status of ``path``; raises :class:`FileNotFoundException` if missing."""
        from .errors import FileNotFoundException

        d = self.nn.call("get_file_info", path=path)
        if d is None:
            raise FileNotFoundException(f"File does not exist: {path}")
        return HdfsFileStatus.from_wire(path, dict(d, name=""))

    def exists(self, path: str) -> bool:
        """True if ``path`` exists."""
        return self.nn.call("get_file_info", path=path) is not None

    def list_status(self, path: str) -> list[HdfsFileStatus]:
        """Children of a directory (or the file itself), sorted by name."""
        return [HdfsFileStatus.from_wire(path, d) for d in self.nn.call("get_listing", path=path)]

    def listdir(self, path: str) -> list[str]:
        """Names in a directory."""
        return [s.name for s in self.list_status(path)]

    def mkdirs(self, path: str, permission: int | None = None) -> bool:
        """Create a directory and its parents."""
        return self.nn.call("mkdirs", path=path, permission=permission)

    def delete(self, path: str, recursive: bool = False) -> bool:
        """Delete; ``False`` if it did not exist."""
        return self.nn.call("delete", path=path, recursive=recursive)

    def rename(self, src: str, dst: str) -> bool:
        """Rename (into ``dst`` if it is a directory); ``False`` if not possible."""
        return self.nn.call("rename", src=src, dst=dst)

    def set_replication(self, path: str, replication: int) -> bool:
        """Change a file's replication factor."""
        return self.nn.call("set_replication", path=path, replication=replication)

    def set_permission(self, path: str, permission: int) -> None:
        """chmod."""
        self.nn.call("set_permission", path=path, permission=permission)

    def set_owner(self, path: str, owner: str | None = None, group: str | None = None) -> None:
        """chown / chgrp."""
        self.nn.call("set_owner", path=path, owner=owner, group=group)

    def set_times(self, path: str, mtime: int = -1, atime: int = -1) -> None:
        """Set modification / access times (ms)."""
        self.nn.call("set_times", path=path, mtime=mtime, atime=atime)

    def content_summary(self, path: str) -> dict[str, int]:
        """Length, file/dir counts and space consumed under ``path``."""
        return self.nn.call("get_content_summary", path=path)

    def fsck(self, path: str = "/") -> dict[str, Any]:
        """Block health report (see :func:`minispark.hdfs.fsck.format_report`)."""
        return self.nn.call("fsck", path=path)

    def block_locations(self, path: str, offset: int = 0, length: int | None = None) -> dict[str, Any]:
        """``{"length", "blocks": [{"b": [id, gs, len], "offset", "locs": [...]}]}``."""
        return self.nn.call("get_block_locations", path=path, offset=offset, length=length,
                            client_node=self.config.client_host or None)

    def datanode_report(self) -> list[dict[str, Any]]:
        """DataNodes known to the NameNode."""
        return self.nn.call("datanode_report")

    def safe_mode(self, action: str = "get") -> bool:
        """Query (``get``) or change (``enter``/``leave``) safe mode."""
        return self.nn.call("safe_mode", action=action)

    def wait_replication(self, path: str, timeout: float = 60.0, poll: float = 0.1) -> None:
        """Until every block of ``path`` has exactly its replication factor (``setrep -w``)."""
        deadline = time.monotonic() + timeout
        while True:
            want = self.status(path).replication
            blocks = self.block_locations(path)["blocks"]
            if all(len(b["locs"]) == want for b in blocks):
                return
            if time.monotonic() > deadline:
                raise HdfsIOException(f"timed out waiting for {path} to reach replication {want}")
            time.sleep(poll)

    # ------------------------------------------------------------ data
    def create(self, path: str, overwrite: bool = False, replication: int | None = None,
               block_size: int | None = None, permission: int | None = None) -> "DFSOutputStream":
        """Open a new file for writing (a context manager)."""
        perm = None if permission is None else permission & ~self.config.umask
        status = self.nn.call("create", path=path, client=self.client_name, overwrite=overwrite,
                              replication=replication, block_size=block_size, permission=perm)
        return DFSOutputStream(self, path, status["block_size"], None)

    def append(self, path: str) -> "DFSOutputStream":
        """Open an existing file to add bytes at its end."""
        reply = self.nn.call("append", path=path, client=self.client_name)
        return DFSOutputStream(self, path, reply["status"]["block_size"], reply["block"])

    def open(self, path: str) -> "DFSInputStream":
        """Open a file for reading (a context manager)."""
        return DFSInputStream(self, path)

    def write_bytes(self, path: str, data: bytes, overwrite: bool = False, **kwargs: Any) -> None:
        """Create ``path`` holding ``data``."""
        with self.create(path, overwrite=overwrite, **kwargs) as out:
            out.write(data)

    def read_bytes(self, path: str) -> bytes:
        """Whole content of a file."""
        with self.open(path) as f:
            return f.read()

    def put(self, local: str, path: str, overwrite: bool = False, **kwargs: Any) -> None:
        """Copy a local file into HDFS."""
        with open(local, "rb") as src, self.create(path, overwrite=overwrite, **kwargs) as out:
            shutil.copyfileobj(src, out, 4 * 1024 * 1024)

    def get(self, path: str, local: str) -> None:
        """Copy an HDFS file to the local disk."""
        with self.open(path) as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 4 * 1024 * 1024)


@dataclass
class _Packet:
    seq: int
    offset: int
    crcs: bytes
    data: bytes
    last: bool


class DFSOutputStream:
    """Writes a file block by block through DataNode pipelines."""

    def __init__(self, client: DFSClient, path: str, block_size: int,
                 append_block: dict[str, Any] | None) -> None:
        self.client, self.path, self.block_size = client, path, block_size
        d = client.defaults
        self.bpc = int(d["bytes_per_checksum"])
        self.packet_size = max(self.bpc, int(d["packet_size"]) // self.bpc * self.bpc)
        self._buf = bytearray()
        self._block: dict[str, Any] | None = None
        self._nodes: list[dict[str, Any]] = []
        self._block_bytes = 0            # bytes packetised into the current block
        self._acked = 0                  # bytes of the current block acknowledged by all
        self._previous: list[int] | None = None
        self._seq = 0
        self._sock: socket.socket | None = None
        self._ackq: collections.deque[_Packet] = collections.deque()
        self._cond = threading.Condition()
        self._error: int | None = None   # index of the failed pipeline node
        self._responder: threading.Thread | None = None
        self._closed = False
        if append_block is not None:
            self._block = append_block
            self._block["b"][1] = append_block["new_gs"]
            self._nodes = list(append_block["locs"])
            self._block_bytes = self._acked = int(append_block["b"][2])
            self._open_pipeline("append", self._block_bytes)

    # --------------------------------------------------------------- API
    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Buffer ``data``; full packets go out as they form."""
        if self._closed:
            raise ValueError("write to a closed HDFS file")
        self._buf += data
        self._emit(final=False)
        return len(data)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        """No-op (see :meth:`hflush`), for file-object compatibility."""

    def hflush(self) -> None:
        """Send everything written so far and wait for every DataNode to acknowledge it."""
        self._emit(final=True)
        self._wait_acked()

    def close(self) -> None:
        """Flush, finish the last block and close the file at the NameNode."""
        if self._closed:
            return
        self._closed = True
        try:
            self._emit(final=True)
            if self._block is not None:
                self._end_block()
            self._complete()
        finally:
            self._shutdown_pipeline()

    def __enter__(self) -> "DFSOutputStream":
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self._closed = True
            self._shutdown_pipeline()

    @property
    def pipeline(self) -> list[str]:
        """Ids of the DataNodes in the current pipeline (for tests and tools)."""
        return [n["id"] for n in self._nodes]

    # --------------------------------------------------------------- packets
    def _emit(self, final: bool) -> None:
        while self._buf:
            partial = self._block_bytes % self.bpc
            room = min(self.block_size - self._block_bytes, self.packet_size - partial)
            if len(self._buf) < room and not final:
                return
            if self._block is None:
                self._new_block()
                continue
            n = min(room, len(self._buf))
            data = bytes(self._buf[:n])
            del self._buf[:n]
            first = min(n, self.bpc - partial) if partial else 0
            pkt = _Packet(self._seq, self._block_bytes, chunk_crcs(data, self.bpc, first), data, False)
            self._seq += 1
            self._block_bytes += n
            self._send(pkt)
            if self._block_bytes == self.block_size:
                self._end_block()

    def _send(self, pkt: _Packet) -> None:
        with self._cond:
            while len(self._ackq) >= MAX_INFLIGHT_PACKETS and self._error is None:
                self._cond.wait(0.5)
            self._ackq.append(pkt)
            failed = self._error is not None
        if failed:
            self._recover()
            return
        try:
            send_packet(self._sock, pkt.seq, pkt.offset, pkt.crcs, pkt.data, pkt.last)  # type: ignore[arg-type]
        except OSError:
            self._recover()

    def _wait_acked(self) -> None:
        deadline = time.monotonic() + 4 * self.client.config.socket_timeout
        while True:
            with self._cond:
                while self._ackq and self._error is None:
                    if time.monotonic() > deadline:
                        raise HdfsIOException(f"timed out waiting for acks writing {self.path}")
                    self._cond.wait(0.5)
                if not self._ackq:
                    return
            self._recover()

    def _end_block(self) -> None:
        pkt = _Packet(self._seq, self._block_bytes, b"", b"", True)
        self._seq += 1
        self._send(pkt)
        self._wait_acked()
        assert self._block is not None
        self._previous = [self._block["b"][0], self._block["b"][1], self._block_bytes]
        self._shutdown_pipeline()
        self._block = None
        self._block_bytes = self._acked = 0

    def _complete(self) -> None:
        deadline = time.monotonic() + 2 * self.client.config.socket_timeout
        delay = 0.02
        while not self.client.nn.call("complete", path=self.path, client=self.client.client_name,
                                      last=self._previous):
            if time.monotonic() > deadline:
                raise HdfsIOException(f"Unable to close file {self.path}: last block "
                                      "does not have enough replicas")
            time.sleep(delay)
            delay = min(delay * 2, 0.4)

    # --------------------------------------------------------------- pipelines
    def _new_block(self) -> None:
        exclude: list[str] = []
        for _ in range(8):
            located = self.client.nn.call("add_block", path=self.path, client=self.client.client_name,
                                          previous=self._previous, exclude=exclude,
                                          client_node=self.client.config.client_host or None)
            self._block, self._nodes = located, list(located["locs"])
            self._block_bytes = self._acked = 0
            try:
                self._setup("create", 0)
                return
            except _PipelineError as exc:
                exclude.append(self._nodes[exc.bad]["id"])
                self.client.nn.call("abandon_block", path=self.path, client=self.client.client_name,
                                    block_id=located["b"][0])
                self._block = None
        raise HdfsIOException(f"could not set up a pipeline for {self.path}; excluded {exclude}")

    def _open_pipeline(self, stage: str, offset: int) -> None:
        while True:
            try:
                self._setup(stage, offset)
                return
            except _PipelineError as exc:
                self._drop_node(exc.bad)
                stage = "recovery"

    def _setup(self, stage: str, offset: int) -> None:
        """Connect to the first node; it connects the rest.  Raises :class:`_PipelineError`."""
        assert self._block is not None
        first = self._nodes[0]
        cfg = self.client.config
        try:
            sock = connect(first["host"], int(first["port"]), self.client.secret_for_datanodes(),
                           cfg.socket_timeout)
        except OSError as exc:
            raise _PipelineError(0, f"cannot connect to {first['id']}: {exc}") from exc
        try:
            send_msg(sock, {"op": "write_block", "b": [self._block["b"][0], self._block["b"][1], 0],
                            "targets": self._nodes[1:], "stage": stage, "offset": offset})
            reply, _ = recv_msg(sock)
        except (OSError, HdfsIOException) as exc:
            sock.close()
            raise _PipelineError(0, f"pipeline setup with {first['id']} failed: {exc}") from exc
        if not reply.get("ok"):
            sock.close()
            bad = reply.get("bad")
            raise _PipelineError(0 if bad is None else int(bad), str(reply.get("msg")))
        self._sock = sock
        self._error = None
        self._responder = threading.Thread(target=self._read_acks, args=(sock,), daemon=True,
                                           name="dfs-responder")
        self._responder.start()

    def _read_acks(self, sock: socket.socket) -> None:
        """Match acks to in-flight packets; record the failing node on error."""
        try:
            while True:
                ack, _ = recv_msg(sock)
                status = ack.get("status", [])
                if any(s != "SUCCESS" for s in status):
                    bad = next(i for i, s in enumerate(status) if s != "SUCCESS")
                    self._fail(bad)
                    return
                with self._cond:
                    pkt = self._ackq.popleft()
                    if pkt.seq != ack.get("seq"):
                        raise HdfsIOException(f"ack for seq {ack.get('seq')} but expected {pkt.seq}")
                    self._acked = pkt.offset + len(pkt.data)
                    self._cond.notify_all()
                    if pkt.last:
                        return
        except (OSError, HdfsIOException, ValueError, IndexError):
            self._fail(0)

    def _fail(self, bad: int) -> None:
        with self._cond:
            if self._error is None:
                self._error = bad
            self._cond.notify_all()

    def _drop_node(self, bad: int) -> None:
        dropped = self._nodes.pop(bad)
        if not self._nodes:
            raise HdfsIOException(f"All datanodes are bad writing {self.path} "
                                  f"(last failed: {dropped['id']}). Aborting...")
        assert self._block is not None
        gs = self.client.nn.call("update_pipeline", path=self.path, client=self.client.client_name,
                                 block_id=self._block["b"][0])
        self._block["b"][1] = gs

    def _recover(self) -> None:
        """Drop the failed node, resume the block on the survivors, resend unacked packets."""
        with self._cond:
            while self._error is None:  # a send failed: wait for the responder's verdict
                if not self._cond.wait(self.client.config.socket_timeout):
                    self._error = 0
            bad = self._error
        self._shutdown_pipeline()
        self._drop_node(bad)
        self._open_pipeline("recovery", self._acked)
        for pkt in list(self._ackq):
            try:
                send_packet(self._sock, pkt.seq, pkt.offset, pkt.crcs, pkt.data, pkt.last)  # type: ignore[arg-type]
            except OSError:
                return self._recover()

    def _shutdown_pipeline(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._responder is not None and self._responder is not threading.current_thread():
            self._responder.join(timeout=self.client.config.socket_timeout)
            self._responder = None


class DFSInputStream:
    """A seekable, checksum-verified reader that fails over between replicas."""

    def __init__(self, client: DFSClient, path: str) -> None:
        self.client, self.path = client, path
        self._refresh()
        self._pos = 0
        self._reader: Iterator[bytes] | None = None
        self._pending = b""
        self._dead: set[tuple[int, str]] = set()
        #: DataNode currently read from, and how many replicas failed so far (for tools/tests).
        self.current_node: str | None = None
        self.failovers = 0

    def _refresh(self) -> None:
        info = self.client.block_locations(self.path)
        self.length = int(info["length"])
        self._blocks = info["blocks"]

    # --------------------------------------------------------------- API
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        """Current position."""
        return self._pos

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        """Move the position (``SEEK_SET``, ``SEEK_CUR``, ``SEEK_END``)."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.length}[whence]
        self._pos = max(0, base + pos)
        self._reader, self._pending = None, b""
        return self._pos

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (all remaining if ``n`` < 0)."""
        if n is None or n < 0:
            n = self.length - self._pos
        out = bytearray()
        while len(out) < n and self._pos < self.length:
            piece = self._next_piece(n - len(out))
            out += piece
            self._pos += len(piece)
        return bytes(out)

    def readinto(self, buf: bytearray | memoryview) -> int:
        """Fill ``buf``; returns the byte count."""
        data = self.read(len(buf))
        buf[:len(data)] = data
        return len(data)

    def pread(self, offset: int, length: int) -> bytes:
        """Read ``length`` bytes at ``offset`` without moving the stream's position."""
        saved = self._pos
        self.seek(offset)
        try:
            return self.read(length)
        finally:
            self.seek(saved)

    def close(self) -> None:
        """Release the current DataNode connection."""
        self._reader = None

    def __enter__(self) -> "DFSInputStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --------------------------------------------------------------- block reading
    def _next_piece(self, want: int) -> bytes:
        if not self._pending:
            if self._reader is None:
                self._reader = self._open_reader()
            piece = next(self._reader, None)
            if piece is None:  # end of this block
                self._reader = None
                return b""
            self._pending = piece
        piece, self._pending = self._pending[:want], self._pending[want:]
        return piece

    def _block_at(self, pos: int) -> dict[str, Any]:
        for block in self._blocks:
            if block["offset"] <= pos < block["offset"] + block["b"][2]:
                return block
        raise HdfsIOException(f"no block at offset {pos} of {self.path}")

    def _open_reader(self) -> Iterator[bytes]:
        return self._read_with_failover(self._block_at(self._pos), self._pos)

    def _read_with_failover(self, block: dict[str, Any], pos: int) -> Iterator[bytes]:
        """Bytes of ``block`` from file offset ``pos`` to its end, switching replicas on errors."""
        refreshed = False
        errors: list[str] = []
        while True:
            candidates = [n for n in block["locs"] if (block["b"][0], n["id"]) not in self._dead]
            if not candidates:
                if refreshed:
                    raise BlockMissingException(
                        f"Could not obtain block: BP-1:blk_{block['b'][0]}_{block['b'][1]} "
                        f"file={self.path} ({'; '.join(errors) or 'no live replica'})")
                self._refresh()
                block = self._block_at(pos)
                self._dead = {d for d in self._dead if d[0] != block["b"][0]}
                refreshed = True
                continue
            node = candidates[0]
            self.current_node = node["id"]
            try:
                for piece in self._read_from(node, block, pos - block["offset"]):
                    pos += len(piece)
                    yield piece
                return
            except ChecksumException as exc:
                errors.append(f"{node['id']}: {exc}")
                self._dead.add((block["b"][0], node["id"]))
                self.failovers += 1
                self._report_bad(block, node)
            except (OSError, HdfsIOException) as exc:
                errors.append(f"{node['id']}: {exc}")
                self._dead.add((block["b"][0], node["id"]))
                self.failovers += 1

    def _report_bad(self, block: dict[str, Any], node: dict[str, Any]) -> None:
        try:
            self.client.nn.call("report_bad_blocks", blocks=[[block["b"][0], node["id"]]])
        except HdfsIOException:
            pass

    def _read_from(self, node: dict[str, Any], block: dict[str, Any], start: int) -> Iterator[bytes]:
        cfg = self.client.config
        bpc = int(self.client.defaults["bytes_per_checksum"])
        length = block["b"][2] - start
        sock = connect(node["host"], int(node["port"]), self.client.secret_for_datanodes(), cfg.socket_timeout)
        with sock:
            send_msg(sock, {"op": "read_block", "b": block["b"], "offset": start, "length": length})
            reply, _ = recv_msg(sock)
            if not reply.get("ok"):
                raise HdfsIOException(f"{node['id']}: {reply.get('msg')}")
            end = start + length
            while True:
                head = recv_exact(sock, PACKET.size)
                seq, offset, dlen, ncrc, flags = PACKET.unpack(head)
                if flags & FLAG_ERROR:
                    raise ChecksumException(f"DataNode {node['id']} found a corrupt chunk")
                if flags & 1:
                    return
                crcs = recv_exact(sock, 4 * ncrc)
                data = recv_exact(sock, dlen)
                if chunk_crcs(data, bpc) != crcs:
                    raise ChecksumException(
                        f"Checksum error: blk_{block['b'][0]} at offset {offset} from {node['id']}")
                lo, hi = max(start, offset) - offset, min(end, offset + dlen) - offset
                if hi > lo:
                    piece = data[lo:hi]
                    start = offset + hi
                    yield piece
