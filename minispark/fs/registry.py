"""Choosing a ``FileSystem`` by URI scheme.

``""`` and ``"file"`` map to the local file system.  Other schemes are
registered with a factory ``(path) -> FileSystem``, or lazily with a
``"package.module:attr.path"`` string imported on first use, so this layer
never imports the rest of minispark up front.  ``"hdfs"`` is pre-registered
lazily; factories may cache instances themselves if connecting is costly.
"""
from __future__ import annotations

import importlib
import re
import threading
from typing import Callable, Union

from minispark.fs.base import FileSystem
from minispark.fs.local import LocalFileSystem

FileSystemFactory = Callable[[str], FileSystem]

_SCHEME_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_SCHEME_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")

_DEFAULT_LOCAL = LocalFileSystem()
_lock = threading.Lock()
_registry: dict[str, Union[FileSystemFactory, str]] = {}


def uri_scheme(path: str) -> str:
    """The lower-cased scheme of a path, ``""`` for a plain path.

    >>> uri_scheme("hdfs://nn:9000/x"), uri_scheme("FILE:/x"), uri_scheme("/x")
    ('hdfs', 'file', '')
    """
    match = _SCHEME_PREFIX.match(path)
    return match.group(1).lower() if match else ""


def register_filesystem(scheme: str, factory: Union[FileSystemFactory, str]) -> None:
    """Make ``get_filesystem`` use ``factory`` for paths with ``scheme``.

    ``factory`` is a callable taking the path, or a lazy ``"module:attr"``
    reference (dotted attributes allowed) resolved on first use.

    >>> register_filesystem("mem", lambda path: LocalFileSystem(block_size=8))
    >>> get_filesystem("mem://x/y").block_size
    8
    >>> unregister_filesystem("mem")
    """
    if not _SCHEME_NAME.match(scheme):
        raise ValueError(f"Invalid URI scheme: {scheme!r}")
    if not callable(factory) and not (isinstance(factory, str) and ":" in factory):
        raise TypeError(f"factory must be a callable or a 'module:attr' string, got {factory!r}")
    with _lock:
        _registry[scheme.lower()] = factory


def unregister_filesystem(scheme: str) -> None:
    """Forget a registered scheme; the built-in ones are restored to their defaults."""
    with _lock:
        _registry.pop(scheme.lower(), None)
        _register_defaults()


def get_filesystem(path: str) -> FileSystem:
    """The ``FileSystem`` that serves ``path``, chosen by its URI scheme.

    >>> get_filesystem("/tmp/x").scheme, get_filesystem("file:///tmp/x").scheme
    ('file', 'file')
    >>> get_filesystem("s3://bucket/key")
    Traceback (most recent call last):
        ...
    ValueError: No FileSystem for scheme: s3
    """
    scheme = uri_scheme(path) or "file"
    with _lock:
        factory = _registry.get(scheme)
    if factory is None:
        raise ValueError(f"No FileSystem for scheme: {scheme}")
    if isinstance(factory, str):
        factory = _resolve_lazy(scheme, factory)
    return factory(path)


def _resolve_lazy(scheme: str, reference: str) -> FileSystemFactory:
    module_name, _, attribute = reference.partition(":")
    try:
        target: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as err:
        message = f"Cannot load the FileSystem for scheme '{scheme}' from {reference}: {err}"
        raise ImportError(message) from err
    if not callable(target):
        raise TypeError(f"FileSystem factory {reference} for scheme '{scheme}' is not callable")
    with _lock:
        if _registry.get(scheme) == reference:
            _registry[scheme] = target  # resolve once; later calls skip the import machinery
    return target


def _local_factory(path: str) -> FileSystem:
    return _DEFAULT_LOCAL


def _register_defaults() -> None:
    _registry.setdefault("file", _local_factory)
    _registry.setdefault("hdfs", "minispark.hdfs.fs:HdfsFileSystem.from_uri")


_register_defaults()
