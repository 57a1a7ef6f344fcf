"""Every scheme minispark does not own, through fsspec (s3://, gs://, abfs://, memory://, http(s)://...).

``FsspecFileSystem`` puts minispark's ``FileSystem`` interface over
``fsspec.filesystem(protocol, **options)``.  The options come from the
Spark-style ``spark.hadoop.fs.<scheme>.*`` settings the context hands to the
registry (see :func:`storage_options`), else from the implementation's own
defaults (environment variables, config files).

Object stores differ from a disk in three ways this adapter makes visible:

* rename is a copy then a delete, so ``atomic_rename`` is False and the
  output committer publishes parts by its copy-on-job-commit protocol;
* there are no block locations: splits come from object sizes, cut at
  ``spark.files.maxPartitionBytes`` (the statuses' ``block_size``);
* the first path component of a bucket store is the bucket, which minispark
  never creates: writing into a missing bucket fails with a clear error.
"""
from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any, BinaryIO, Mapping

from minispark.fs.base import BlockLocation, FileStatus, FileSystem

log = logging.getLogger("minispark")

#: Spark's ``spark.files.maxPartitionBytes`` default: the split size on object stores.
DEFAULT_MAX_PARTITION_BYTES = 128 * 1024 * 1024
#: Read-ahead block of fsspec file objects: reads stay bounded by this, never a whole object.
READ_BLOCK_SIZE = 8 * 1024 * 1024

#: Hadoop's scheme names that fsspec spells differently.
_PROTOCOL_ALIASES = {"s3a": "s3", "s3n": "s3", "gs": "gcs", "abfss": "abfs", "wasb": "abfs",
                     "wasbs": "abfs"}
#: The pip extra that installs each protocol's implementation.
_EXTRAS = {"s3": "s3", "gcs": "gcs", "abfs": "azure", "az": "azure", "adl": "azure"}


def fsspec_protocol(scheme: str) -> str:
    """The fsspec protocol serving a URI scheme.

    >>> fsspec_protocol("s3a"), fsspec_protocol("gs"), fsspec_protocol("memory")
    ('s3', 'gcs', 'memory')
    """
    return _PROTOCOL_ALIASES.get(scheme, scheme)


# -- options from spark.hadoop.* ---------------------------------------------------

def _s3_options(conf: Mapping[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    client: dict[str, Any] = {}
    for key, name in (("access.key", "key"), ("secret.key", "secret"), ("session.token", "token")):
        if f"fs.s3a.{key}" in conf:
            options[name] = conf[f"fs.s3a.{key}"]
    endpoint = conf.get("fs.s3a.endpoint")
    if endpoint:
        if "://" not in endpoint:
            ssl = conf.get("fs.s3a.connection.ssl.enabled", "true").lower() == "true"
            endpoint = ("https://" if ssl else "http://") + endpoint
        client["endpoint_url"] = endpoint
    region = conf.get("fs.s3a.endpoint.region") or conf.get("fs.s3a.region")
    if region:
        client["region_name"] = region
    if client:
        options["client_kwargs"] = client
    if conf.get("fs.s3a.path.style.access", "false").lower() == "true":
        options["config_kwargs"] = {"s3": {"addressing_style": "path"}}
    if "Anonymous" in conf.get("fs.s3a.aws.credentials.provider", ""):
        options["anon"] = True
    return options


def _gcs_options(conf: Mapping[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if "fs.gs.project.id" in conf:
        options["project"] = conf["fs.gs.project.id"]
    for key in ("fs.gs.auth.service.account.json.keyfile",
                "google.cloud.auth.service.account.json.keyfile"):
        if key in conf:
            options["token"] = conf[key]
    return options


def _azure_options(conf: Mapping[str, str]) -> dict[str, Any]:
    prefix = "fs.azure.account.key."
    keys = [(k[len(prefix):].split(".", 1)[0], v) for k, v in conf.items() if k.startswith(prefix)]
    if len(keys) > 1:
        raise NotImplementedError(
            "minispark reads one Azure storage account per application; "
            f"spark.hadoop.{prefix}* names {len(keys)}: {', '.join(a for a, _ in keys)}")
    return {"account_name": keys[0][0], "account_key": keys[0][1]} if keys else {}


#: Maps from Hadoop settings (``spark.hadoop.`` removed) to implementation arguments,
#: with the setting prefix each reads.
_OPTION_MAPS = {"s3": ("fs.s3a.", _s3_options), "gcs": ("fs.gs.", _gcs_options),
                "abfs": ("fs.azure.", _azure_options)}
#: Hadoop settings the maps above read; others under their prefix are reported once.
_KNOWN_KEYS = frozenset({
    "fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.session.token", "fs.s3a.endpoint",
    "fs.s3a.endpoint.region", "fs.s3a.region", "fs.s3a.path.style.access",
    "fs.s3a.connection.ssl.enabled", "fs.s3a.aws.credentials.provider", "fs.s3a.impl",
    "fs.gs.project.id", "fs.gs.auth.service.account.json.keyfile", "fs.gs.impl",
    "google.cloud.auth.service.account.json.keyfile",
})


def storage_options(protocol: str, hadoop_conf: Mapping[str, str]) -> dict[str, Any]:
    """fsspec arguments for ``protocol`` from Hadoop settings (``spark.hadoop.`` removed).

    >>> storage_options("s3", {"fs.s3a.access.key": "AK", "fs.s3a.endpoint": "localhost:9000",
    ...                        "fs.s3a.connection.ssl.enabled": "false"})
    {'key': 'AK', 'client_kwargs': {'endpoint_url': 'http://localhost:9000'}}
    >>> storage_options("memory", {"fs.s3a.access.key": "AK"})
    {}
    """
    entry = _OPTION_MAPS.get(protocol)
    if entry is None:
        return {}
    prefix, mapper = entry
    ignored = sorted(k for k in hadoop_conf if k.startswith(prefix) and k not in _KNOWN_KEYS
                     and not k.startswith("fs.azure.account.key."))
    if ignored:
        log.warning("spark.hadoop.%s has no effect on %s:// in minispark (fsspec reads its "
                    "own defaults instead)", ", spark.hadoop.".join(ignored), protocol)
    return mapper(hadoop_conf)


def load_fsspec_filesystem(scheme: str, options: Mapping[str, Any]) -> Any:
    """``fsspec.filesystem`` for a scheme, or an ImportError naming what to install."""
    protocol = fsspec_protocol(scheme)
    try:
        import fsspec
    except ImportError:
        raise ImportError(f"No FileSystem for scheme '{scheme}': minispark reads it through "
                          f"fsspec, which is not installed ({_install_hint(protocol)})") from None
    try:
        cls = fsspec.get_filesystem_class(protocol)
    except ValueError:
        raise ValueError(f"No FileSystem for scheme: {scheme}") from None
    except ImportError as err:
        raise ImportError(f"No FileSystem for scheme '{scheme}': its fsspec implementation is "
                          f"missing ({_install_hint(protocol)}): {err}") from None
    # Other processes write too (executors), so listings are never served from a cache.
    return cls(**dict(options), use_listings_cache=False, skip_instance_cache=True)


def _install_hint(protocol: str) -> str:
    extra = _EXTRAS.get(protocol)
    return f"pip install 'minispark[{extra}]'" if extra else "pip install fsspec and its implementation"


# -- the adapter ------------------------------------------------------------------

class FsspecFileSystem(FileSystem):
    """minispark's ``FileSystem`` over one fsspec file system.

    >>> import fsspec
    >>> fs = FsspecFileSystem("memory", fsspec.filesystem("memory"), block_size=4)
    >>> with fs.create("memory://doc/a.txt") as f:
    ...     _ = f.write(b"hello")
    >>> [(s.path, s.length) for s in fs.list_status("memory://doc")]
    [('memory:///doc/a.txt', 5)]
    >>> [(b.offset, b.length) for b in fs.block_locations("memory://doc/a.txt", 0, 5)]
    [(0, 4), (4, 1)]
    >>> fs.delete("memory://doc", recursive=True)
    True
    """

    atomic_rename = False
    #: Schemes fsspec can only read from here: a web server has no directories or deletes.
    READ_ONLY_SCHEMES = frozenset({"http", "https"})

    def __init__(self, scheme: str, fs: Any, block_size: int = DEFAULT_MAX_PARTITION_BYTES) -> None:
        if block_size <= 0:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self.scheme = scheme
        self.fs = fs
        self.block_size = block_size
        # fsspec's convention: an empty root marker means the first component is a bucket.
        self._buckets = getattr(fs, "root_marker", "/") == ""

    def __repr__(self) -> str:
        return f"FsspecFileSystem({self.scheme!r}, {type(self.fs).__name__})"

    # -- paths ----------------------------------------------------------------------

    def _strip(self, path: str) -> str:
        stripped = self.fs._strip_protocol(path)
        return stripped if stripped else self.fs.root_marker

    def _uri(self, stripped: str) -> str:
        if "://" in stripped:  # http(s) keeps whole URLs as its paths
            return stripped
        return f"{self.scheme}://{stripped}"

    def qualify(self, path: str) -> str:
        """The URI with this file system's scheme (``s3a://b/k`` stays ``s3a://``)."""
        return self._uri(self._strip(path))

    # -- reading --------------------------------------------------------------------

    def open(self, path: str) -> BinaryIO:
        """A seekable stream that fetches ``READ_BLOCK_SIZE`` at a time."""
        with self._errors(path):
            return self.fs.open(self._strip(path), "rb", block_size=READ_BLOCK_SIZE)

    def exists(self, path: str) -> bool:
        """True if an object, or anything under the prefix, exists."""
        with self._errors(path):
            return bool(self.fs.exists(self._strip(path)))

    def status(self, path: str) -> FileStatus:
        """Status from the store's metadata; ``FileNotFoundError`` if missing."""
        with self._errors(path):
            return self._to_status(self.fs.info(self._strip(path)))

    def list_status(self, path: str) -> list[FileStatus]:
        """Children sorted by name (directory markers left out), or ``[status]`` of a file."""
        top = self.status(path)
        if not top.is_dir:
            return [top]
        own = self._strip(path).rstrip("/")
        with self._errors(path):
            entries = self.fs.ls(own, detail=True)
        children = [self._to_status(e) for e in entries if e["name"].rstrip("/") != own]
        return sorted(children, key=lambda s: s.path)

    def block_locations(self, path: str, start: int, length: int) -> list[BlockLocation]:
        """One host-less location per ``block_size`` chunk: object stores have no locality."""
        if start < 0 or length < 0:
            raise ValueError(f"Invalid range start={start} length={length}")
        size = self.status(path).length
        end = min(size, start + length)
        first = start - start % self.block_size
        return [BlockLocation(offset, min(self.block_size, size - offset), ())
                for offset in range(first, end, self.block_size)]

    def default_block_size(self) -> int:
        """The split size, ``spark.files.maxPartitionBytes``."""
        return self.block_size

    # -- writing --------------------------------------------------------------------

    def create(self, path: str, overwrite: bool = False) -> BinaryIO:
        """A new object; leaving a ``with`` block by an exception discards it."""
        self._check_writable(path)
        stripped = self._strip(path)
        with self._errors(path):
            if self.fs.isdir(stripped):
                raise IsADirectoryError(f"Cannot create file {self._uri(stripped)}: it is a directory")
            if not overwrite and self.fs.exists(stripped):
                raise FileExistsError(f"File already exists: {self._uri(stripped)}")
            self._make_parents(stripped)
            return _DiscardingWriter(self, stripped, self.fs.open(stripped, "wb"))

    def mkdirs(self, path: str) -> None:
        """Create a directory and its parents; a no-op where directories are implicit."""
        self._check_writable(path)
        stripped = self._strip(path).rstrip("/")
        with self._errors(path):
            if self.fs.isfile(stripped):
                raise FileExistsError(f"Cannot create directory {self._uri(stripped)}: a file exists there")
            self._make_dirs(stripped)

    def delete(self, path: str, recursive: bool = False) -> bool:
        """Delete an object or a prefix; non-empty directories need ``recursive=True``."""
        stripped = self._strip(path).rstrip("/")
        with self._errors(path):
            if not self.fs.exists(stripped):
                return False
            if self.fs.isdir(stripped):
                if not recursive and self.list_status(path):
                    raise OSError(f"Directory {self._uri(stripped)} is not empty; "
                                  "pass recursive=True to delete it")
                with contextlib.suppress(FileNotFoundError):  # an implicit directory vanishes with its last object
                    self.fs.rm(stripped, recursive=True)
            else:
                self.fs.rm_file(stripped)
        return True

    def rename(self, src: str, dst: str) -> None:
        """Copy then delete (not atomic); ``FileExistsError`` if ``dst`` exists."""
        source, target = self._strip(src).rstrip("/"), self._strip(dst).rstrip("/")
        with self._errors(src):
            if not self.fs.exists(source):
                raise FileNotFoundError(f"Rename source does not exist: {self._uri(source)}")
            if self.fs.exists(target):
                raise FileExistsError(f"Rename destination already exists: {self._uri(target)}")
            self._make_parents(target)
            self.fs.mv(source, target, recursive=self.fs.isdir(source))

    # -- helpers --------------------------------------------------------------------

    def _check_writable(self, path: str) -> None:
        if self.scheme in self.READ_ONLY_SCHEMES:
            raise PermissionError(f"Cannot write {path}: {self.scheme}:// is read-only in "
                                  "minispark (write to a local path, hdfs:// or an object store)")

    def _make_parents(self, stripped: str) -> None:
        if self._buckets:
            self._check_bucket(stripped)  # parents of an object exist through it
            return
        parent = self.fs._parent(stripped)
        if parent and parent != self.fs.root_marker:
            self.fs.makedirs(parent, exist_ok=True)

    def _check_bucket(self, stripped: str) -> str:
        bucket = stripped.split("/", 1)[0]
        if not self.fs.exists(bucket):
            raise FileNotFoundError(f"Bucket {bucket!r} of {self._uri(stripped)} does not "
                                    "exist (minispark never creates buckets)")
        return bucket

    def _make_dirs(self, stripped: str) -> None:
        if self._buckets:
            bucket = self._check_bucket(stripped)
            if stripped != bucket and not self.fs.exists(stripped):
                # A "dir/" marker object, as Hadoop's S3A writes: an empty directory exists.
                self.fs.pipe_file(stripped + "/", b"")
            return
        self.fs.makedirs(stripped, exist_ok=True)

    def _to_status(self, info: Mapping[str, Any]) -> FileStatus:
        is_dir = info.get("type") == "directory"
        return FileStatus(
            path=self._uri(info["name"].rstrip("/") or info["name"]),
            length=0 if is_dir else int(info.get("size") or 0),
            is_dir=is_dir,
            modification_time=_mtime(info),
            block_size=self.block_size,
        )

    @contextlib.contextmanager
    def _errors(self, path: str):
        """Name the bucket when the store says only "bucket does not exist"."""
        try:
            yield
        except FileNotFoundError as err:
            if self._buckets and "bucket" in str(err).lower():
                bucket = self._strip(path).split("/", 1)[0]
                raise FileNotFoundError(f"Bucket {bucket!r} of {self.qualify(path)} does not "
                                        f"exist: {err}") from err
            raise


def _mtime(info: Mapping[str, Any]) -> float:
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
    return 0.0


class _DiscardingWriter:
    """A write stream whose object appears only if it is closed without an error."""

    def __init__(self, owner: FsspecFileSystem, stripped: str, raw: Any) -> None:
        self._owner = owner
        self._path = stripped
        self._raw = raw

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def write(self, data: Any) -> int:
        return self._raw.write(data)

    def close(self) -> None:
        self._raw.close()

    @property
    def closed(self) -> bool:
        return bool(self._raw.closed)

    def discard(self) -> None:
        """Abandon the object: whatever was written is removed."""
        with contextlib.suppress(Exception):
            self._raw.discard()
        with contextlib.suppress(Exception):
            self._raw.closed = True  # discarded buffered files must not upload when collected
        with contextlib.suppress(Exception):
            self._raw.close()  # implementations whose discard leaves the file open (memory, local)
        with contextlib.suppress(Exception):
            if self._owner.fs.exists(self._path):
                self._owner.fs.rm_file(self._path)

    def __enter__(self) -> "_DiscardingWriter":
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()
