"""Choosing a ``FileSystem`` by URI scheme.

``""`` and ``"file"`` map to the local file system.  Other schemes are
registered with a factory ``(path) -> FileSystem``, or lazily with a
``"package.module:attr.path"`` string imported on first use, so this layer
never imports the rest of minispark up front.  ``"hdfs"`` is pre-registered
lazily; factories may cache instances themselves if connecting is costly.

Every other scheme falls back to fsspec (``minispark.fs.fsspec_fs``), with
options from the Hadoop settings handed over by :func:`configure`; Hadoop's
``fs.<scheme>.impl`` setting set to ``fsspec`` sends an owned scheme (``file``)
there too.
"""
from __future__ import annotations

import importlib
import re
import threading
from typing import Callable, Mapping, Union

from minispark.common.units import parse_bytes
from minispark.fs.base import FileSystem
from minispark.fs.local import LocalFileSystem

FileSystemFactory = Callable[[str], FileSystem]

_SCHEME_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_SCHEME_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")

_DEFAULT_LOCAL = LocalFileSystem()
_lock = threading.Lock()
_registry: dict[str, Union[FileSystemFactory, str]] = {}
#: Hadoop settings (``spark.hadoop.`` removed) and the object-store split size.
_hadoop_conf: dict[str, str] = {}
_split_size = [128 * 1024 * 1024]
_fsspec_instances: dict[str, FileSystem] = {}

#: The settings :func:`configure` reads; a context hands exactly these to executors.
HADOOP_PREFIX = "spark.hadoop."
MAX_PARTITION_BYTES = "spark.files.maxPartitionBytes"


def fs_settings(pairs: Mapping[str, str]) -> dict[str, str]:
    """The settings this layer reads, picked from a context's configuration.

    >>> fs_settings({"spark.hadoop.fs.s3a.endpoint": "e", "spark.app.name": "x"})
    {'spark.hadoop.fs.s3a.endpoint': 'e'}
    """
    return {k: v for k, v in pairs.items() if k.startswith(HADOOP_PREFIX) or k == MAX_PARTITION_BYTES}


def configure(settings: Mapping[str, str]) -> None:
    """Use these ``spark.hadoop.*`` settings and ``spark.files.maxPartitionBytes`` from now on.

    The driver's context calls it when it starts, and every executor with the
    same settings; file systems built from older settings are dropped.

    >>> configure({"spark.files.maxPartitionBytes": "64m"})
    >>> get_filesystem("memory://x").block_size
    67108864
    >>> configure({})
    """
    split = parse_bytes(settings.get(MAX_PARTITION_BYTES, "128m"), "b")
    with _lock:
        _hadoop_conf.clear()
        _hadoop_conf.update({k[len(HADOOP_PREFIX):]: v for k, v in settings.items()
                             if k.startswith(HADOOP_PREFIX)})
        _split_size[0] = split
        _fsspec_instances.clear()


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
    >>> get_filesystem("memory://bucket/key")
    FsspecFileSystem('memory', MemoryFileSystem)
    >>> get_filesystem("nosuchscheme://x")
    Traceback (most recent call last):
        ...
    ValueError: No FileSystem for scheme: nosuchscheme
    """
    scheme = uri_scheme(path) or "file"
    with _lock:
        impl = _hadoop_conf.get(f"fs.{scheme}.impl")
        factory = _registry.get(scheme) if impl is None else _impl_factory(scheme, impl)
    if factory is None:
        return _fsspec_filesystem(scheme)
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


def _impl_factory(scheme: str, impl: str) -> Union[FileSystemFactory, str, None]:
    """What Hadoop's ``fs.<scheme>.impl`` names: ``fsspec`` (None here), or a factory."""
    if impl == "fsspec":
        return None
    if ":" in impl:
        return impl
    raise NotImplementedError(
        f"spark.hadoop.fs.{scheme}.impl={impl!r}: minispark has no Hadoop classes; use "
        "'fsspec' or a 'package.module:factory' reference")


def _fsspec_filesystem(scheme: str) -> FileSystem:
    with _lock:
        cached = _fsspec_instances.get(scheme)
        conf, split = dict(_hadoop_conf), _split_size[0]
    if cached is not None:
        return cached
    from minispark.fs import fsspec_fs

    protocol = fsspec_fs.fsspec_protocol(scheme)
    options = fsspec_fs.storage_options(protocol, conf)
    made = fsspec_fs.FsspecFileSystem(scheme, fsspec_fs.load_fsspec_filesystem(scheme, options), split)
    with _lock:
        return _fsspec_instances.setdefault(scheme, made)


def _local_factory(path: str) -> FileSystem:
    return _DEFAULT_LOCAL


def _register_defaults() -> None:
    _registry.setdefault("file", _local_factory)
    _registry.setdefault("hdfs", "minispark.hdfs.fs:HdfsFileSystem.from_uri")


_register_defaults()
