"""minispark's file-system layer: the bottom of the stack, stdlib only.

* ``base``: ``FileSystem``, ``FileStatus``, ``BlockLocation``;
* ``local``: ``LocalFileSystem``;
* ``registry``: ``get_filesystem`` / ``register_filesystem`` by URI scheme;
* ``input``: listing and splitting inputs for ``textFile`` and friends;
* ``output``: the atomic commit protocol behind ``saveAsTextFile``.
"""
from minispark.fs.base import BlockLocation, FileStatus, FileSystem
from minispark.fs.local import LocalFileSystem
from minispark.fs.registry import (
    get_filesystem,
    register_filesystem,
    unregister_filesystem,
    uri_scheme,
)

__all__ = [
    "BlockLocation",
    "FileStatus",
    "FileSystem",
    "LocalFileSystem",
    "get_filesystem",
    "register_filesystem",
    "unregister_filesystem",
    "uri_scheme",
]
