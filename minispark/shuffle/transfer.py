"""The block-transfer service: executors serve map outputs and cached blocks over TCP.

Each executor runs one :class:`BlockTransferService` on a background thread
(an ephemeral port on ``bind_address``, loopback by default). Every connection
passes the application's shared-secret handshake (:mod:`minispark.common.auth`)
before one byte of a request is read; a peer that fails it is disconnected.

Requests are fixed binary structs (nothing is unpickled on the server):

* ``b"S"`` + ``<6q`` shuffle id, map index, first and end reduce partition,
  offset into that byte range, most bytes wanted;
* ``b"B"`` + ``<2qH`` offset, most bytes wanted, length of the block id, then
  the block id (UTF-8).

A reply is ``0x00`` + ``<qqI`` (the whole range's length, this chunk's length,
its CRC-32) + the chunk, or ``0x01`` + ``<H`` + a reason. The fetcher checks
each chunk's CRC-32; a mismatch is a :class:`TransferError`, which a reducer
reports as a fetch failure, so the map output is computed again.

:class:`RangeFetcher` keeps several chunk requests in flight, at most
``max_bytes_in_flight`` bytes of them (``spark.reducer.maxSizeInFlight``), and
hands the ranges back in the order they were asked for.
"""
from __future__ import annotations

import os
import socket
import struct
import threading
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Hashable, Iterable

from minispark.common import auth
from minispark.shuffle.writer import data_path

MAGIC = b"MSBT"
OP_SHUFFLE = b"S"
OP_BLOCK = b"B"
OK, MISSING = b"\x00", b"\x01"
_SHUFFLE_REQ = struct.Struct("<6q")
_BLOCK_REQ = struct.Struct("<2qH")
_CHUNK_HEAD = struct.Struct("<qqI")
_REASON = struct.Struct("<H")
_OFFSET = struct.Struct("<q")
#: Seconds a connection may sit idle (server) or wait for a reply (client).
SOCKET_TIMEOUT = 120.0
#: Threads fetching chunks at once, per executor.
FETCH_THREADS = 5
#: Requests in flight aim at this share of the bound, as Spark's fetcher does.
REQUESTS_PER_WINDOW = 5
#: Test hook: the service corrupts (flips a byte of) this many chunks it sends.
CORRUPT_ENV = "MINISPARK_TEST_CORRUPT_TRANSFERS"

Address = tuple[str, int]


class TransferError(OSError):
    """A transfer failed: block missing, connection lost, or bytes corrupted."""


def advertised_host(bind_address: str) -> str:
    """The host peers use to reach a service bound to ``bind_address``.

    >>> advertised_host("127.0.0.1")
    '127.0.0.1'
    """
    if bind_address in ("", "0.0.0.0", "::"):
        return socket.gethostbyname(socket.gethostname())
    return bind_address


class BlockTransferService:
    """Serves one executor's map outputs (from ``shuffle_dir``) and cached blocks.

    ``read_block(block_id)`` returns a cached block's framed bytes, or None.
    """

    def __init__(self, shuffle_dir: str, read_block: Callable[[str], bytes | None],
                 secret: bytes, bind_address: str = "127.0.0.1") -> None:
        self.shuffle_dir = shuffle_dir
        self.read_block = read_block
        self._secret = secret
        self._server, port = auth.start_server(bind_address, 0, self._serve, "block-transfer")
        self.address: Address = (advertised_host(bind_address), port)
        self._corrupt = int(os.environ.get(CORRUPT_ENV, "0") or 0)
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Stop listening (connections being served end with their peer)."""
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, sock: socket.socket, _peer: tuple) -> None:
        sock.settimeout(SOCKET_TIMEOUT)
        try:
            auth.server_handshake(sock, self._secret, MAGIC)
            while True:
                op = sock.recv(1)
                if not op:
                    return
                self._answer(sock, op)
        except OSError:
            return  # failed handshake, bad request or peer gone: hang up

    def _answer(self, sock: socket.socket, op: bytes) -> None:
        if op == OP_SHUFFLE:
            request = _SHUFFLE_REQ.unpack(auth.recv_exact(sock, _SHUFFLE_REQ.size))
            reply = self._shuffle_chunk(*request)
        elif op == OP_BLOCK:
            offset, length, id_len = _BLOCK_REQ.unpack(auth.recv_exact(sock, _BLOCK_REQ.size))
            block_id = auth.recv_exact(sock, id_len).decode("utf-8", "replace")
            data = self.read_block(block_id)
            reply = (f"block {block_id} is not held here" if data is None
                     else _chunk(memoryview(data), offset, length))
        else:
            raise TransferError(f"unknown request {op!r}")
        sock.sendall(self._encode(reply))

    def _shuffle_chunk(self, shuffle_id: int, map_index: int, reduce_start: int,
                       reduce_end: int, offset: int, length: int) -> str | tuple[int, bytes]:
        path = data_path(self.shuffle_dir, shuffle_id, map_index)
        try:
            with open(path + ".index", "rb") as index:
                index.seek(reduce_start * _OFFSET.size)
                start, = _OFFSET.unpack(index.read(_OFFSET.size))
                index.seek(reduce_end * _OFFSET.size)
                end, = _OFFSET.unpack(index.read(_OFFSET.size))
            with open(path, "rb") as data:
                data.seek(start + offset)
                want = max(0, min(length, end - start - offset))
                chunk = data.read(want)
        except (OSError, struct.error) as exc:
            return f"{type(exc).__name__}: {exc}"
        if len(chunk) < want:
            return f"{path} is truncated"
        return end - start, chunk

    def _encode(self, reply: str | tuple[int, bytes]) -> bytes:
        if isinstance(reply, str):
            reason = reply.encode()[:60000]
            return MISSING + _REASON.pack(len(reason)) + reason
        total, chunk = reply
        head = OK + _CHUNK_HEAD.pack(total, len(chunk), zlib.crc32(chunk))
        return head + self._maybe_corrupt(chunk)

    def _maybe_corrupt(self, chunk: bytes) -> bytes:
        """Flip one byte after the checksum was taken, while the test hook asks for it."""
        with self._lock:
            if not self._corrupt or not chunk:
                return chunk
            self._corrupt -= 1
        return bytes([chunk[0] ^ 0xFF]) + chunk[1:]


def _chunk(data: memoryview, offset: int, length: int) -> tuple[int, bytes]:
    return len(data), bytes(data[offset:offset + max(0, length)])


class TransferClient:
    """Authenticated connections to other executors' services, reused between requests."""

    def __init__(self, secret: bytes, timeout: float = SOCKET_TIMEOUT) -> None:
        self._secret = secret
        self._timeout = timeout
        self._idle: dict[Address, list[socket.socket]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def pool(self) -> ThreadPoolExecutor:
        """Threads that fetch chunks (started on first use)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(FETCH_THREADS, "shuffle-fetch")
            return self._pool

    def shuffle_chunk(self, address: Address, shuffle_id: int, map_index: int,
                      reduce_index: int, offset: int, length: int) -> tuple[int, bytes]:
        """``(length of the whole range, verified chunk)`` of one map output's range."""
        request = OP_SHUFFLE + _SHUFFLE_REQ.pack(shuffle_id, map_index, reduce_index,
                                                 reduce_index + 1, offset, length)
        return self._call(address, request)

    def block(self, address: Address, block_id: str, chunk_size: int = 8 << 20) -> bytes:
        """A cached block's framed bytes, fetched chunk after chunk."""
        name = block_id.encode()
        parts, got, total = [], 0, None
        while total is None or got < total:
            request = OP_BLOCK + _BLOCK_REQ.pack(got, chunk_size, len(name)) + name
            total, chunk = self._call(address, request)
            if not chunk and got < total:
                raise TransferError(f"block {block_id} ended early at {address}")
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _call(self, address: Address, request: bytes) -> tuple[int, bytes]:
        sock = self._connection(address)
        try:
            sock.sendall(request)
            reply = _read_reply(sock, address)
        except BaseException:
            sock.close()
            raise
        with self._lock:
            self._idle.setdefault(address, []).append(sock)
        return reply

    def _connection(self, address: Address) -> socket.socket:
        with self._lock:
            idle = self._idle.get(address)
            if idle:
                return idle.pop()
        return auth.connect(address[0], address[1], self._secret, self._timeout, MAGIC)

    def close(self) -> None:
        """Close idle connections and stop the fetch threads."""
        with self._lock:
            sockets = [s for idle in self._idle.values() for s in idle]
            self._idle.clear()
            pool, self._pool = self._pool, None
        for sock in sockets:
            sock.close()
        if pool is not None:
            pool.shutdown(wait=False)


def _read_reply(sock: socket.socket, address: Address) -> tuple[int, bytes]:
    status = auth.recv_exact(sock, 1)
    if status == MISSING:
        size, = _REASON.unpack(auth.recv_exact(sock, _REASON.size))
        reason = auth.recv_exact(sock, size).decode("utf-8", "replace")
        raise TransferError(f"{address[0]}:{address[1]}: {reason}")
    total, length, crc = _CHUNK_HEAD.unpack(auth.recv_exact(sock, _CHUNK_HEAD.size))
    chunk = auth.recv_exact(sock, length)
    if zlib.crc32(chunk) != crc:
        raise TransferError(f"corrupted transfer from {address[0]}:{address[1]}: "
                            f"CRC-32 {zlib.crc32(chunk):08x} != {crc:08x}")
    return total, chunk


#: fetch(key, offset, most bytes) -> (length of the key's whole range, chunk)
FetchChunk = Callable[[Hashable, int, int], tuple[int, bytes]]


class RangeFetcher:
    """Fetches whole ranges, in the order given, several chunk requests at a time.

    Each request reserves ``chunk_size`` bytes of ``max_bytes_in_flight`` until
    its chunk is taken; the next range's request starts once the reservation
    fits. The range being read may always ask for its next chunk, since taking
    its previous chunk freed a reservation as big.

    >>> data = {"a": b"x" * 10, "b": b"yz"}
    >>> def fetch(key, offset, most):
    ...     return len(data[key]), data[key][offset:offset + most]
    >>> with ThreadPoolExecutor(2) as pool:
    ...     fetcher = RangeFetcher(["a", "b"], fetch, pool, max_bytes_in_flight=8)
    ...     fetcher.next_range(), fetcher.next_range()
    (('a', b'xxxxxxxxxx'), ('b', b'yz'))
    """

    def __init__(self, keys: Iterable[Hashable], fetch: FetchChunk, pool: ThreadPoolExecutor,
                 max_bytes_in_flight: int) -> None:
        self._keys = deque(keys)
        self._fetch = fetch
        self._pool = pool
        self.limit = max(1, max_bytes_in_flight)
        self.chunk_size = max(1, self.limit // REQUESTS_PER_WINDOW)
        self.in_flight = 0
        self._outstanding: deque[tuple[Hashable, Future]] = deque()
        self.fill()

    def fill(self) -> None:
        """Start first requests of the next ranges while the bound allows."""
        while self._keys and self.in_flight + self.chunk_size <= self.limit:
            self._start(self._keys.popleft(), 0, front=False)

    def _start(self, key: Hashable, offset: int, front: bool) -> None:
        self.in_flight += self.chunk_size
        future = self._pool.submit(self._fetch, key, offset, self.chunk_size)
        entry = (key, future)
        if front:
            self._outstanding.appendleft(entry)
        else:
            self._outstanding.append(entry)

    def next_range(self) -> tuple[Hashable, bytes]:
        """The next range, whole: ``(key, bytes)``; raises what its fetch raised."""
        self.fill()
        if not self._outstanding:
            raise StopIteration("every range was fetched")
        key, parts, got = self._outstanding[0][0], [], 0
        while True:
            _, future = self._outstanding.popleft()
            try:
                total, chunk = future.result()
            finally:
                self.in_flight -= self.chunk_size
            parts.append(chunk)
            got += len(chunk)
            if got >= total:
                break
            if not chunk:
                raise TransferError(f"range {key!r} ended early at {got} of {total} bytes")
            self._start(key, got, front=True)
        self.fill()
        return key, b"".join(parts)
