"""Shared-secret challenge-response on a socket, before anything else is read.

Used by every service that listens: mini-HDFS and the executors' block-transfer
service. The exchange is fixed-size raw bytes, so nothing is parsed, let alone
unpickled, before the peer has proved it holds the secret:

* the server sends ``magic + nonce_s``;
* the client answers ``nonce_c + HMAC(secret, "C" + nonce_s + nonce_c)``;
* the server checks it with :func:`hmac.compare_digest` and answers ``0x01 +
  HMAC(secret, "S" + nonce_s + nonce_c)`` (so the client knows the server holds
  the secret too), or ``0x00`` and hangs up.

>>> import socket, threading
>>> a, b = socket.socketpair()
>>> t = threading.Thread(target=server_handshake, args=(a, b"k", b"TEST"))
>>> t.start(); client_handshake(b, b"k", b"TEST"); t.join(); a.close(); b.close()
"""
from __future__ import annotations

import hashlib
import hmac
import os
import socket
import socketserver
import threading
from typing import Callable

NONCE_LEN = 32
MAC_LEN = 32
#: Bytes of a secret generated for one application.
SECRET_LEN = 32


class AuthenticationError(PermissionError):
    """The peer failed the shared-secret handshake."""


class PeerClosed(ConnectionError):
    """The peer closed the connection in the middle of a message."""


def new_secret() -> bytes:
    """A fresh random secret (one per application)."""
    return os.urandom(SECRET_LEN)


def recv_exact(sock: socket.socket, n: int) -> bytes:
    """Read exactly ``n`` bytes or raise :class:`PeerClosed`."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise PeerClosed(f"connection closed after {got} of {n} bytes")
        got += k
    return bytes(buf)


def _mac(secret: bytes, role: bytes, nonce_s: bytes, nonce_c: bytes) -> bytes:
    return hmac.new(secret, role + nonce_s + nonce_c, hashlib.sha256).digest()


def server_handshake(sock: socket.socket, secret: bytes, magic: bytes) -> None:
    """Authenticate the client; raise :class:`AuthenticationError` (after a reject
    byte) on failure."""
    nonce_s = os.urandom(NONCE_LEN)
    sock.sendall(magic + nonce_s)
    reply = recv_exact(sock, NONCE_LEN + MAC_LEN)
    nonce_c, mac = reply[:NONCE_LEN], reply[NONCE_LEN:]
    if not hmac.compare_digest(mac, _mac(secret, b"C", nonce_s, nonce_c)):
        try:
            sock.sendall(b"\x00")
        finally:
            raise AuthenticationError("client failed the shared-secret handshake")
    sock.sendall(b"\x01" + _mac(secret, b"S", nonce_s, nonce_c))


def client_handshake(sock: socket.socket, secret: bytes, magic: bytes) -> None:
    """Prove we hold the secret and check the server does too."""
    hello = recv_exact(sock, len(magic) + NONCE_LEN)
    if hello[:len(magic)] != magic:
        raise AuthenticationError(f"peer is not the expected server (bad magic {hello[:len(magic)]!r})")
    nonce_s = hello[len(magic):]
    nonce_c = os.urandom(NONCE_LEN)
    sock.sendall(nonce_c + _mac(secret, b"C", nonce_s, nonce_c))
    try:
        verdict = recv_exact(sock, 1)
    except OSError as exc:
        raise AuthenticationError("server closed the connection during the handshake") from exc
    if verdict != b"\x01":
        raise AuthenticationError("server rejected our shared secret (wrong secret?)")
    if not hmac.compare_digest(recv_exact(sock, MAC_LEN), _mac(secret, b"S", nonce_s, nonce_c)):
        raise AuthenticationError("server failed to prove it holds the shared secret")


def connect(host: str, port: int, secret: bytes, timeout: float, magic: bytes
            ) -> socket.socket:
    """Open an authenticated connection (with a timeout on every operation)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client_handshake(sock, secret, magic)
    except BaseException:
        sock.close()
        raise
    return sock


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def start_server(host: str, port: int, handle: Callable[[socket.socket, tuple], None],
                 name: str) -> tuple[socketserver.ThreadingTCPServer, int]:
    """Serve ``handle(sock, addr)`` per connection on a daemon thread; returns (server, port).

    ``handle`` must authenticate the connection before it reads anything else.
    """

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            handle(self.request, self.client_address)

    server = _Server((host, port), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name=name, daemon=True)
    thread.start()
    return server, server.server_address[1]
