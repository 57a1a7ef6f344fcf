"""Fixtures of the file-system tests: the S3 server (tests/s3server.py)."""
from tests.s3server import bucket, s3, s3_settings  # noqa: F401  (fixtures)
