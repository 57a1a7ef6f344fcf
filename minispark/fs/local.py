"""The local file system: plain paths, relative paths and ``file:`` URIs.

Files written through ``create`` appear atomically: bytes go to a hidden
temporary sibling that is renamed into place only when the file is closed
without an error, so readers never see a half-written file.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import stat
import uuid
from typing import BinaryIO

from minispark.fs import globbing
from minispark.fs.base import BlockLocation, FileStatus, FileSystem

#: Hadoop's ``fs.local.block.size`` default.
DEFAULT_LOCAL_BLOCK_SIZE = 32 * 1024 * 1024

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_WRITE_BUFFER = 1 << 20
#: errnos meaning "this file system cannot hard-link", not "this rename is wrong".
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS})


class LocalFileSystem(FileSystem):
    """A ``FileSystem`` over the machine's own disk.

    >>> import tempfile, os
    >>> fs = LocalFileSystem(block_size=4)
    >>> tmp = tempfile.TemporaryDirectory(); d = tmp.name
    >>> with fs.create(os.path.join(d, "a.txt")) as f:
    ...     _ = f.write(b"hello")
    >>> [(s.name, s.length) for s in fs.list_status("file://" + d)]
    [('a.txt', 5)]
    >>> [(b.offset, b.length) for b in fs.block_locations(d + "/a.txt", 0, 5)]
    [(0, 4), (4, 1)]
    >>> tmp.cleanup()
    """

    scheme = "file"

    def __init__(self, block_size: int = DEFAULT_LOCAL_BLOCK_SIZE) -> None:
        if block_size <= 0:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self.block_size = block_size

    def __repr__(self) -> str:
        return f"LocalFileSystem(block_size={self.block_size})"

    # -- path handling -------------------------------------------------------

    def local_path(self, path: str) -> str:
        """Turn a plain, relative or ``file:`` path into a normalised absolute path.

        >>> fs = LocalFileSystem()
        >>> fs.local_path("file:///tmp/x"), fs.local_path("file:/tmp/x/"), fs.local_path("/tmp/./x")
        ('/tmp/x', '/tmp/x', '/tmp/x')
        """
        if not path:
            raise ValueError("Can not create a Path from an empty string")
        if path.startswith("file:"):
            path = _strip_file_scheme(path)
        elif _SCHEME.match(path):
            raise ValueError(f"Wrong FS: {path}, expected: file:///")
        return os.path.abspath(path)

    def qualify(self, path: str) -> str:
        """The ``file:/abs/path`` form Spark shows.

        >>> LocalFileSystem().qualify("/tmp/x")
        'file:/tmp/x'
        """
        return "file:" + self.local_path(path)

    def _glob_root(self, pattern: str) -> tuple[str, str]:
        if pattern.startswith("file:"):
            pattern = _strip_file_scheme(pattern)
        if not os.path.isabs(pattern):
            # The working directory is literal text, so it must not act as a glob.
            pattern = globbing.escape(os.getcwd()) + "/" + pattern
        return "/", os.path.normpath(pattern)

    # -- reading -------------------------------------------------------------

    def open(self, path: str) -> BinaryIO:
        """Open a file for buffered binary reading."""
        return open(self.local_path(path), "rb")

    def exists(self, path: str) -> bool:
        """True if anything exists at ``path``."""
        return os.path.exists(self.local_path(path))

    def status(self, path: str) -> FileStatus:
        """Status of a file or directory; ``FileNotFoundError`` if missing."""
        local = self.local_path(path)
        try:
            st = os.stat(local)
        except FileNotFoundError:
            raise FileNotFoundError(f"File {self.qualify(local)} does not exist") from None
        return self._to_status(local, st)

    def list_status(self, path: str) -> list[FileStatus]:
        """Children sorted by name (broken symlinks skipped), or ``[status]`` of a file."""
        top = self.status(path)
        if not top.is_dir:
            return [top]
        children = []
        with os.scandir(top.path) as entries:
            for entry in entries:
                try:
                    children.append(self._to_status(entry.path, entry.stat()))
                except FileNotFoundError:
                    continue  # dangling symlink, or deleted while listing
        children.sort(key=lambda s: s.path)
        return children

    def block_locations(self, path: str, start: int, length: int) -> list[BlockLocation]:
        """One location per ``block_size`` chunk overlapping the range, host "localhost"."""
        if start < 0 or length < 0:
            raise ValueError(f"Invalid range start={start} length={length}")
        size = self.status(path).length
        end = min(size, start + length)
        if start >= end:
            return []
        first = start - start % self.block_size
        return [
            BlockLocation(offset, min(self.block_size, size - offset), ("localhost",))
            for offset in range(first, end, self.block_size)
        ]

    def default_block_size(self) -> int:
        """The configured block size (32 MiB unless set otherwise)."""
        return self.block_size

    # -- writing -------------------------------------------------------------

    def create(self, path: str, overwrite: bool = False) -> BinaryIO:
        """Open a file for writing; it appears under ``path`` only when closed cleanly."""
        local = self.local_path(path)
        if os.path.isdir(local):
            raise IsADirectoryError(f"Cannot create file {self.qualify(local)}: it is a directory")
        if not overwrite and os.path.lexists(local):
            raise FileExistsError(f"File already exists: {self.qualify(local)}")
        os.makedirs(os.path.dirname(local), exist_ok=True)
        return _AtomicFile(local, overwrite)

    def mkdirs(self, path: str) -> None:
        """Create a directory and its parents; ``FileExistsError`` if a file is in the way."""
        local = self.local_path(path)
        try:
            os.makedirs(local, exist_ok=True)
        except FileExistsError:
            shown = self.qualify(local)
            raise FileExistsError(f"Cannot create directory {shown}: a file exists there") from None

    def delete(self, path: str, recursive: bool = False) -> bool:
        """Delete a file or directory; non-empty directories need ``recursive=True``."""
        local = self.local_path(path)
        if not os.path.lexists(local):
            return False
        if os.path.isdir(local) and not os.path.islink(local):
            _delete_dir(local, recursive, self.qualify(local))
        else:
            os.unlink(local)
        return True

    def rename(self, src: str, dst: str) -> None:
        """Move ``src`` to ``dst``; never replaces an existing ``dst``."""
        source, target = self.local_path(src), self.local_path(dst)
        if not os.path.lexists(source):
            raise FileNotFoundError(f"Rename source does not exist: {self.qualify(source)}")
        if os.path.isdir(source) and not os.path.islink(source):
            # Directories cannot be hard-linked; rename refuses non-empty targets
            # itself, so the check below only races with an empty directory.
            if os.path.lexists(target):
                raise FileExistsError(f"Rename destination already exists: {self.qualify(target)}")
            os.rename(source, target)
        else:
            _rename_no_replace(source, target, self.qualify(target))

    # -- helpers -------------------------------------------------------------

    def _to_status(self, local: str, st: os.stat_result) -> FileStatus:
        is_dir = stat.S_ISDIR(st.st_mode)
        return FileStatus(
            path=local,
            length=0 if is_dir else st.st_size,
            is_dir=is_dir,
            modification_time=st.st_mtime,
            block_size=self.block_size,
        )


def _strip_file_scheme(path: str) -> str:
    """``file:/x``, ``file:///x`` and ``file://localhost/x`` all mean ``/x``."""
    rest = path[len("file:"):]
    if rest.startswith("//"):
        authority, _, tail = rest[2:].partition("/")
        if authority not in ("", "localhost"):
            raise ValueError(f"Wrong FS: {path}, expected: file:///")
        rest = "/" + tail
    if not rest:
        raise ValueError(f"Can not create a Path from an empty string: {path!r}")
    return rest


def _delete_dir(local: str, recursive: bool, shown: str) -> None:
    if recursive:
        shutil.rmtree(local)
        return
    try:
        os.rmdir(local)
    except OSError as err:
        if os.listdir(local):
            raise OSError(f"Directory {shown} is not empty; pass recursive=True to delete it") from err
        raise


def _rename_no_replace(source: str, target: str, shown: str) -> None:
    """Rename a file, failing instead of replacing an existing target.

    A hard link followed by an unlink is atomic with respect to the target
    name, unlike "check then rename"; file systems without hard links fall
    back to the check.
    """
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        raise FileExistsError(f"Rename destination already exists: {shown}") from None
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        if os.path.lexists(target):
            raise FileExistsError(f"Rename destination already exists: {shown}") from None
        os.rename(source, target)
        return
    os.unlink(source)


class _AtomicFile(io.BufferedWriter):
    """A write stream that publishes its file only on a clean ``close()``.

    Leaving a ``with`` block by an exception, calling ``discard()``, or
    dropping the object unclosed removes the temporary file instead.
    """

    def __init__(self, final: str, overwrite: bool) -> None:
        directory, name = os.path.split(final)
        self._final = final
        self._overwrite = overwrite
        self._tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
        super().__init__(io.FileIO(self._tmp, "xb"), buffer_size=_WRITE_BUFFER)

    def close(self) -> None:
        if self.closed:
            return
        try:
            super().close()
        except BaseException:
            self._remove_tmp()
            raise
        self._publish()

    def discard(self) -> None:
        """Abandon the file: nothing appears at the final path."""
        if not self.closed:
            with contextlib.suppress(OSError):
                self.raw.close()  # skip flushing: the data is unwanted
        self._remove_tmp()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def __del__(self) -> None:
        # Garbage-collected without close(): the writer did not finish.
        if not self.closed:
            self.discard()

    def _publish(self) -> None:
        if self._overwrite:
            os.replace(self._tmp, self._final)
            return
        try:
            _rename_no_replace(self._tmp, self._final, "file:" + self._final)
        except BaseException:
            self._remove_tmp()
            raise

    def _remove_tmp(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)
