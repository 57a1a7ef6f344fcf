"""Wire protocol shared by every mini-HDFS connection.

* **Handshake** (before anything else, fixed-size raw bytes, nothing parsed):
  the server sends ``MAGIC + nonce_s``; the client answers ``nonce_c +
  HMAC(secret, "C" + nonce_s + nonce_c)``; the server checks it with
  :func:`hmac.compare_digest` and answers ``0x01 + HMAC(secret, "S" + ...)`` (so
  the client knows the server holds the secret too) or ``0x00`` and hangs up
  (:mod:`minispark.common.auth`, shared with the executors' connections).
* **Messages**: 4-byte big-endian length, a JSON object, then optionally the
  ``"n"`` raw payload bytes the header announces.  No pickle anywhere.
* **Data packets** (block reads and writes): a fixed binary header
  (:data:`PACKET`), the chunk CRCs, then the data.
"""
from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from typing import Any, Iterable, Iterator

from minispark.common import auth
from minispark.common.auth import NONCE_LEN  # noqa: F401 - part of the wire format
from minispark.common.auth import start_server  # noqa: F401 - the servers import it from here

from .errors import (AuthenticationException, HdfsIOException, StandbyOrUnavailableException,
                     exception_from_wire, exception_name)

MAGIC = b"MSH1"
MAX_HEADER = 64 * 1024 * 1024
_LEN = struct.Struct("!I")
#: seq, offset in block, data length, number of CRCs, flags (1 = last packet)
PACKET = struct.Struct("!qqIIB")
FLAG_LAST = 1


class ConnectionClosed(StandbyOrUnavailableException):
    """The peer closed the connection in the middle of a message."""


def recv_exact(sock: socket.socket, n: int) -> bytes:
    """Read exactly ``n`` bytes or raise :class:`ConnectionClosed`."""
    try:
        return auth.recv_exact(sock, n)
    except auth.PeerClosed as exc:
        raise ConnectionClosed(str(exc)) from None


def server_handshake(sock: socket.socket, secret: bytes) -> None:
    """Authenticate the client; raise :class:`AuthenticationException` on failure."""
    with _hdfs_errors():
        auth.server_handshake(sock, secret, MAGIC)


def client_handshake(sock: socket.socket, secret: bytes) -> None:
    """Prove we hold the secret and check the server does too."""
    with _hdfs_errors():
        auth.client_handshake(sock, secret, MAGIC)


@contextlib.contextmanager
def _hdfs_errors() -> Iterator[None]:
    """The shared handshake's errors, as mini-HDFS clients expect them."""
    try:
        yield
    except auth.PeerClosed as exc:
        raise ConnectionClosed(str(exc)) from None
    except auth.AuthenticationError as exc:
        raise AuthenticationException(str(exc)) from exc.__cause__


def send_msg(sock: socket.socket, header: dict[str, Any], payload: bytes | memoryview = b"") -> None:
    """Send one JSON header, then ``payload`` (its length is put in the header)."""
    if payload:
        header = dict(header, n=len(payload))
    body = json.dumps(header, separators=(",", ":")).encode()
    sock.sendall(_LEN.pack(len(body)) + body)
    if payload:
        sock.sendall(payload)


def recv_msg(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """Receive one message sent by :func:`send_msg`: ``(header, payload)``."""
    (size,) = _LEN.unpack(recv_exact(sock, _LEN.size))
    if size > MAX_HEADER:
        raise HdfsIOException(f"message header of {size} bytes exceeds the limit")
    header = json.loads(recv_exact(sock, size))
    if not isinstance(header, dict):
        raise HdfsIOException("message header is not a JSON object")
    n = header.get("n", 0)
    payload = recv_exact(sock, int(n)) if n else b""
    return header, payload


def send_packet(sock: socket.socket, seq: int, offset: int, crcs: bytes, data: bytes | memoryview,
                last: bool = False) -> None:
    """Send one data packet: header, CRCs (4 bytes per chunk), data."""
    head = PACKET.pack(seq, offset, len(data), len(crcs) // 4, FLAG_LAST if last else 0)
    sock.sendall(head + crcs)
    if len(data):
        sock.sendall(data)


def recv_packet(sock: socket.socket, max_len: int) -> tuple[int, int, bytes, bytes, bool]:
    """Receive one data packet: ``(seq, offset, crcs, data, last)``."""
    seq, offset, length, ncrc, flags = PACKET.unpack(recv_exact(sock, PACKET.size))
    if length > max_len or ncrc * 4 > max_len:
        raise HdfsIOException(f"data packet of {length} bytes exceeds the limit {max_len}")
    crcs = recv_exact(sock, ncrc * 4) if ncrc else b""
    data = recv_exact(sock, length) if length else b""
    return seq, offset, crcs, data, bool(flags & FLAG_LAST)


def connect(host: str, port: int, secret: bytes, timeout: float) -> socket.socket:
    """Open an authenticated connection (with a timeout on every operation)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client_handshake(sock, secret)
    except BaseException:
        sock.close()
        raise
    return sock


def error_reply(exc: BaseException) -> dict[str, Any]:
    """The JSON header that reports ``exc`` to the peer."""
    return {"ok": False, "exc": exception_name(exc), "msg": str(exc) or type(exc).__name__}


def raise_if_error(header: dict[str, Any]) -> dict[str, Any]:
    """Re-raise an error reply from a server; return the header otherwise."""
    if not header.get("ok", False):
        raise exception_from_wire(str(header.get("exc", "IOException")), str(header.get("msg", "")))
    return header


class RpcClient:
    """One authenticated connection to an RPC server, reconnecting as needed.

    Calls are serialised by a lock (one request in flight per connection,
    like one Hadoop IPC connection per server).  Connection failures are
    retried ``retries`` times; a call whose connection breaks after the request
    was sent is retried only if the method is idempotent.
    """

    def __init__(self, host: str, port: int, secret: bytes, user: str, timeout: float,
                 retries: int = 10, retry_interval: float = 1.0,
                 idempotent: Iterable[str] = (), idle_limit: float = 30.0) -> None:
        self.host, self.port, self.user = host, port, user
        self._secret, self._timeout = secret, timeout
        self._retries, self._retry_interval = retries, retry_interval
        self._idempotent = frozenset(idempotent)
        self._idle_limit = idle_limit
        self._sock: socket.socket | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    def _connect(self) -> socket.socket:
        last: Exception | None = None
        for attempt in range(self._retries + 1):
            try:
                return connect(self.host, self.port, self._secret, self._timeout)
            except AuthenticationException:
                raise
            except OSError as exc:
                last = exc
                if attempt < self._retries:
                    time.sleep(self._retry_interval)
        raise StandbyOrUnavailableException(
            f"cannot connect to {self.host}:{self.port} after {self._retries + 1} attempts: {last}")

    def call(self, method: str, payload: bytes = b"", **args: Any) -> Any:
        """Invoke ``method`` remotely and return its result (or raise its error)."""
        with self._lock:
            for attempt in (0, 1):
                stale = self._sock is not None and time.monotonic() - self._last_used > self._idle_limit
                if stale:
                    self.close_unlocked()
                reused = self._sock is not None
                if self._sock is None:
                    self._sock = self._connect()
                try:
                    send_msg(self._sock, {"m": method, "a": args, "u": self.user}, payload)
                    header, _ = recv_msg(self._sock)
                except OSError as exc:
                    self.close_unlocked()
                    if attempt == 0 and (reused or method in self._idempotent):
                        continue
                    raise StandbyOrUnavailableException(
                        f"lost connection to {self.host}:{self.port} during {method}: {exc}") from exc
                self._last_used = time.monotonic()
                return raise_if_error(header).get("r")
        raise AssertionError("unreachable")

    def close_unlocked(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def close(self) -> None:
        """Close the connection (a later call reconnects)."""
        with self._lock:
            self.close_unlocked()
