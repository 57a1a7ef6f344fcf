"""moto's standalone S3 server on loopback, and the fixtures that reach it through s3fs.

A test module imports the fixtures it uses (``from tests.s3server import bucket, s3,
s3_settings``): the server starts once per module and stops at its end; each test gets
a fresh bucket, removed with everything in it afterwards.
"""
from __future__ import annotations

import logging
import socket
import uuid
from typing import Iterator

import pytest
from moto.server import ThreadedMotoServer

from minispark.fs.fsspec_fs import load_fsspec_filesystem, storage_options

REGION = "eu-west-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_settings() -> Iterator[dict[str, str]]:
    """A moto S3 server on a free loopback port, and the Spark settings that reach it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {
            "spark.hadoop.fs.s3a.access.key": "testing-key",
            "spark.hadoop.fs.s3a.secret.key": "testing-secret",
            "spark.hadoop.fs.s3a.endpoint": f"127.0.0.1:{port}",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.endpoint.region": REGION,
        }
    finally:
        server.stop()


@pytest.fixture
def s3(s3_settings):
    """The raw s3fs file system, built from the same settings minispark maps."""
    hadoop = {k[len("spark.hadoop."):]: v for k, v in s3_settings.items()}
    return load_fsspec_filesystem("s3", storage_options("s3", hadoop))


@pytest.fixture
def bucket(s3) -> Iterator[str]:
    """A fresh bucket per test, removed with everything in it afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3.mkdir(name)
    yield name
    s3.rm(name, recursive=True)
