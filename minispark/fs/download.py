"""Copying a file (or a folder) from any file system to a local folder, streamed.

``sc.addFile`` uses it for sources that are not local paths (``hdfs://``,
``s3://``, ``https://`` ...), so tasks find them through ``SparkFiles``.
"""
from __future__ import annotations

import os
import shutil

from minispark.fs.base import base_name
from minispark.fs.registry import get_filesystem

#: Bytes copied per read: a file never sits in memory whole.
_COPY_CHUNK = 1 << 20


def download(uri: str, local_dir: str, recursive: bool = False) -> str:
    """Copy ``uri`` into ``local_dir`` under its own name; return the local path.

    >>> import tempfile, os
    >>> src, dst = tempfile.TemporaryDirectory(), tempfile.TemporaryDirectory()
    >>> _ = open(os.path.join(src.name, "a.txt"), "w").write("hi")
    >>> open(download("file://" + src.name + "/a.txt", dst.name)).read()
    'hi'
    >>> src.cleanup(); dst.cleanup()
    """
    fs = get_filesystem(uri)
    status = fs.status(uri)
    target = os.path.join(local_dir, base_name(status.path))
    if not status.is_dir:
        with fs.open(status.path) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, _COPY_CHUNK)
        return target
    if not recursive:
        raise ValueError(f"{fs.qualify(uri)} is a directory; pass recursive=True to add it")
    os.makedirs(target, exist_ok=True)
    for child in fs.list_status(status.path):
        download(child.path, target, recursive=True)
    return target
