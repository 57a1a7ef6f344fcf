"""Shared-secret authentication, no pickle, path safety."""
from __future__ import annotations

import socket

import pytest

from minispark.hdfs.client import DFSClient
from minispark.hdfs.errors import AuthenticationException, IllegalArgumentException
from minispark.hdfs.protocol import MAGIC, NONCE_LEN, RpcClient


def test_wrong_secret_gets_an_error_and_nothing_else(cluster):
    cfg = cluster.client_config(connect_retries=0)
    with pytest.raises(AuthenticationException, match="rejected"):
        DFSClient(config=cfg, secret=b"not-the-secret").list_status("/")


def test_raw_socket_without_secret_gets_nothing(cluster):
    with socket.create_connection(("127.0.0.1", cluster.nn_port), timeout=5) as sock:
        hello = sock.recv(len(MAGIC) + NONCE_LEN)
        assert hello.startswith(MAGIC)
        # A JSON request instead of the handshake: the server answers one reject byte and hangs up.
        request = b'{"m":"get_listing","a":{"path":"/"},"u":"x"}'
        sock.sendall(request + b"\0" * (64 - len(request)) if len(request) < 64 else request[:64])
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        assert data == b"\x00"


def test_datanode_rejects_unauthenticated(cluster):
    with cluster.client() as c:
        dn = c.datanode_report()[0]
    rpc = RpcClient("127.0.0.1", dn["port"] if "port" in dn else 0, b"wrong", "x", 5, retries=0)
    with pytest.raises(AuthenticationException):
        rpc.call("read_block")


def test_paths_are_normalised_and_validated(client):
    client.mkdirs("//norm///a//b/")
    assert client.status("/norm/a/b").is_dir
    for bad in ("relative/path", "/a/../etc", "/a/./b", "/a:b"):
        with pytest.raises(IllegalArgumentException):
            client.mkdirs(bad)


def test_secret_file_is_private(cluster):
    import os
    import stat

    mode = stat.S_IMODE(os.stat(cluster.config.secret_file).st_mode)
    assert mode == 0o600
